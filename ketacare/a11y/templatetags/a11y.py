"""Template tags that let one template (base.html) state a page's error state for every form."""

from __future__ import annotations

from typing import Any

from django import forms, template

register = template.Library()


@register.simple_tag(takes_context=True)
def page_has_errors(context: template.Context) -> bool:
    """True when any form the view handed the page was refused, so the title starts with "Error:"
    (GOV.UK Design System: a screen reader hears the refusal before anything else).

    Looks at every bound form in the context, so views need no change: a page with several forms
    (the dosing session) is covered as well as a page with one."""
    for value in context.flatten().values():
        candidates: Any = value.values() if isinstance(value, dict) else [value]
        for candidate in candidates:
            if isinstance(candidate, forms.BaseForm) and candidate.is_bound and candidate.errors:
                return True
    return False
