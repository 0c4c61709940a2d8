"""One way to cut a select into the page `?page=&page_size=` asks for (flask-smorest's paginate)."""

from __future__ import annotations

from typing import Any

from models import db

# Offsets beyond this are pages nobody has; the databases refuse such numbers (a 500).
MAX_OFFSET = 2**31 - 1


def counted(stmt: Any, pagination_parameters: Any) -> Any:
    """Set the total for the pagination header; the page's select, or None past the end."""
    pagination_parameters.item_count = db.session.scalar(
        db.select(db.func.count()).select_from(stmt.order_by(None).subquery())
    )
    if pagination_parameters.first_item > MAX_OFFSET:
        return None
    return stmt.limit(pagination_parameters.page_size).offset(pagination_parameters.first_item)


def page_of(stmt: Any, pagination_parameters: Any) -> list:
    """One page of a select of entities."""
    page = counted(stmt, pagination_parameters)
    return [] if page is None else list(db.session.scalars(page))


def rows_of(stmt: Any, pagination_parameters: Any) -> list:
    """One page of a select of rows (several columns)."""
    page = counted(stmt, pagination_parameters)
    return [] if page is None else list(db.session.execute(page).all())
