"""One pagination for every list in the API: `limit` and `offset`, bounded, answered as
`{"items": [...], "count": N}`.

`limit` defaults to DEFAULT_PAGE_SIZE and may not exceed MAX_PAGE_SIZE; `offset` may not exceed
MAX_OFFSET. Anything beyond (including numbers beyond 64 bits, which once reached the database and
answered 500) is a 422. Lists whose items are built in Python (scored responses) pass a `Lazy` so that
only the requested page is built.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from ninja import Field
from ninja.pagination import LimitOffsetPagination

from ketacare.api_input import StrictSchema

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000_000

T = TypeVar("T")


class Pagination(LimitOffsetPagination):
    class Input(StrictSchema):
        limit: int = Field(
            DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description=f"Items per page, at most {MAX_PAGE_SIZE}."
        )
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_limit=MAX_PAGE_SIZE, **kwargs)


class Lazy(Generic[T]):
    """A sequence (usually a queryset) whose items are turned into answers only for the page asked."""

    def __init__(self, source: Any, transform: Callable[[Any], T]) -> None:
        self.source = source
        self.transform = transform

    def __getitem__(self, index: slice) -> list[T]:
        return [self.transform(item) for item in self.source[index]]

    def __len__(self) -> int:
        count = getattr(self.source, "count", None)
        if callable(count) and not isinstance(self.source, Sequence):
            return int(count())
        return len(self.source)
