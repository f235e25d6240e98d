from django.utils.safestring import mark_safe
from django.utils import safestring


def html(value):
    a = mark_safe(value)  # expect: py-django-mark-safe
    b = safestring.mark_safe("<b>" + value + "</b>")  # expect: py-django-mark-safe
    return a, b
