"""The roster template an HR office can fill in: the header row, drop-downs and a 填表说明 sheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from roster import columns
from spreadsheets import mark_text

ROWS = 5000  # rows given the drop-downs
STATUS_CHOICES = ("群众", "中共党员", "中共预备党员", "共青团员", "民主党派", "无党派人士")
CADRE_CHOICES = ("是", "否")
UNIT_KIND_CHOICES = ("区队", "科室", "其他")
TEXT_COLUMNS = ("employee_no", "phone", "previous_employee_no")
# The name a download gives the template, and the ASCII one for clients without RFC 6266.
TEMPLATE_NAME, TEMPLATE_FALLBACK = "花名册模板.xlsx", "roster-template.xlsx"
WIDTHS = {"unit": 18, "branch": 22, "political_status": 14, "previous_employee_no": 12}
WIDTHS |= {"group": 16, "role": 12}


def _choices(values: tuple[str, ...], title: str) -> DataValidation:
    dv = DataValidation(
        type="list",
        formula1='"' + ",".join(values) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=title,
        error=f"请从下拉列表中选择{title}",
        promptTitle=title,
        prompt="请从下拉列表中选择",
        showInputMessage=True,
    )
    return dv


def template_workbook() -> bytes:
    """The template as .xlsx bytes: sheet 花名册 (active) and sheet 填表说明."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    head_fill = PatternFill("solid", fgColor="C00000")
    for i, col in enumerate(columns.COLUMNS, start=1):
        cell = ws.cell(row=1, column=i, value=col.label)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = WIDTHS.get(col.key, 14)
        if col.key in TEXT_COLUMNS:
            # Text, so Excel keeps leading zeros and long phone numbers as typed.
            ws.column_dimensions[letter].number_format = "@"
        if col.key == "political_status":
            dv = _choices(STATUS_CHOICES, "政治面貌")
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
            ws.add_data_validation(dv)
        if col.key == "is_cadre":
            dv = _choices(CADRE_CHOICES, "是否干部")
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
            ws.add_data_validation(dv)
        if col.key == "unit_kind":
            dv = _choices(UNIT_KIND_CHOICES, "单位类别")
            dv.add(f"{letter}2:{letter}{ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"

    notes = wb.create_sheet("填表说明")
    notes.append(["列名", "是否必填", "也可写作", "说明"])
    for c in notes[1]:
        c.font = Font(bold=True)
    for col in columns.COLUMNS:
        row = [col.label, "必填" if col.required else "选填", columns.spellings(col.key), col.note]
        notes.append(row)
    notes.append([])
    notes.append(["政治面貌可填", columns.ACCEPTED_STATUSES])
    notes.append(["是否干部可填", columns.ACCEPTED_CADRE])
    notes.append(["单位类别可填", columns.ACCEPTED_UNIT_KINDS])
    notes.append(["职务", columns.ACCEPTED_ROLES])
    notes.append([])
    for line in (
        "1. 表头可以不在第一行（上方可有标题行），花名册也可以放在任意工作表中，系统会自动查找。",
        "2. 导入前可以先预览（不写入任何数据）：看清新增、变更、调动、出错的行和表中缺少的人。",
        "3. 一行出错则整份不导入；按行号修改后重新导入即可。",
        "4. 已在系统中、但不在表中的人员默认不做处理；导入全矿完整花名册时可选择"
        "「把表中缺少的人员标记为离职」，离职人员立即不能登录，结对解除，认领的心愿退回。",
        "5. 同一人换了工号时，请在「原工号」列填写旧工号，系统会更新该人员而不是新增一人。",
        "6. 群众的党支部可留空，系统取其单位所属的党支部。",
        "7. 班组：单位一栏填区队，班组一栏填该区队下的班组；班组名称前会自动加上区队名称"
        "（如「综采一队」的「一班」记为「综采一队一班」），不同区队可以有同名班组。"
        "人员换了班组或区队、不再任班组长或离职时，原班组长职责自动解除。",
    ):
        notes.append([line])
    for letter, width in zip("ABCD", (14, 10, 60, 60), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows():
        for cell in row:
            mark_text(cell)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
