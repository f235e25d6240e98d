from django.utils.html import format_html


def html(value):
    return format_html("<b>{}</b>", value)
