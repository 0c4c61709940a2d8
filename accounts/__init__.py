"""The identity domain: the roster, WeChat login, binding, tokens and roles."""
