"""Refusals of the identity domain: login, tokens, binding, roles."""

from domain_errors import DomainError, Forbidden, InvalidInput


class LoginRequired(DomainError):
    status = 401
    reason = "login_required"
    message = "请先登录"


class TokenInvalid(DomainError):
    status = 401
    reason = "token_invalid"
    message = "登录状态无效，请重新登录"


class TokenExpired(DomainError):
    status = 401
    reason = "token_expired"
    message = "登录已过期，请重新登录"


class TokenRevoked(DomainError):
    status = 401
    reason = "token_revoked"
    message = "登录已失效，请重新登录"


class DemoLoginDisabled(DomainError):
    status = 401
    reason = "wechat_code_invalid"
    message = "微信登录凭证无效，请重新进入小程序"


class NotBound(Forbidden):
    reason = "not_bound"
    message = "请先绑定工号后再使用"


class PersonLeft(Forbidden):
    reason = "person_left"
    message = "该工号已办理离职，无法继续使用；如有疑问请联系党委"


class RoleRequired(Forbidden):
    reason = "forbidden"
    message = "没有权限进行此操作"


class RosterMismatch(InvalidInput):
    reason = "roster_mismatch"
    message = "工号、姓名或手机号后四位与花名册不符"


class AlreadyBound(DomainError):
    status = 409
    reason = "already_bound"
    message = "该工号已绑定其他微信账号，如需更换请联系党委管理员"


class AccountAlreadyBound(DomainError):
    status = 409
    reason = "account_already_bound"
    message = "当前微信账号已绑定其他工号，如需更换请联系党委管理员"


class UnknownPerson(DomainError):
    status = 404
    reason = "person_not_found"
    message = "花名册中没有该工号"


class UnknownBranch(DomainError):
    status = 404
    reason = "branch_not_found"
    message = "没有该党支部"


class BranchRequired(InvalidInput):
    reason = "branch_required"
    message = "书记角色需要指定党支部"


class CannotUnbindSelf(DomainError):
    status = 409
    reason = "cannot_unbind_self"
    message = "不能解绑自己的微信账号，请由其他党委成员办理"


class LastCommitteeMember(DomainError):
    status = 409
    reason = "last_committee_member"
    message = "这是本矿最后一位党委成员，请先为其他人授予党委权限"
