import jinja2
from jinja2 import Environment


def envs(loader):
    a = jinja2.Environment(loader=loader)  # expect: py-jinja2-autoescape
    b = Environment(loader=loader, autoescape=False)  # expect: py-jinja2-autoescape
    return a, b
