from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponseNotAllowed

from .errors import ServiceError

M = TypeVar("M", bound=Model)


def get_in_scope_or_404(queryset: QuerySet[M], **lookup: Any) -> M:
    """Fetch from an already scoped queryset. Missing and forbidden look the same: 404, so an
    identifier outside one's scope does not even reveal that the object exists."""
    try:
        return queryset.get(**lookup)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise Http404 from None


def refuse_method(request: HttpRequest, *allowed: str) -> HttpResponseNotAllowed | None:
    """For views naming an object: called after the scoped lookup, so an object outside the scope
    answers 404 to any method, never a 405 that would confirm it exists."""
    if request.method in allowed:
        return None
    return HttpResponseNotAllowed(allowed)


def add_service_error(form: Form, exc: ServiceError) -> None:
    """Show a refused change on the field it names, or above the form if it names none."""
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)
