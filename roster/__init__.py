"""The HR integration: reading a mine's roster (花名册), the preview, the import, leavers and
transfers, the template workbook and `flask roster …`.

Sits above `accounts`, `pairings` and `wishes`: what happens to a person who leaves or moves is
done here through each domain's own services, so none of them needs to know about the roster.
"""
