from mako.template import Template
import mako.lookup


def render(text):
    Template(text)  # expect: py-mako-template
    mako.lookup.TemplateLookup(directories=["t"])  # expect: py-mako-template
