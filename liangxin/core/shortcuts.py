from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404

M = TypeVar("M", bound=Model)


def get_in_scope_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch from an already scoped queryset. Missing and forbidden look the same: 404, so an
    identifier outside one's scope does not even reveal that the object exists."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None
