import jinja2
from jinja2 import Environment, select_autoescape


def envs(loader):
    a = jinja2.Environment(loader=loader, autoescape=True)
    b = Environment(loader=loader, autoescape=select_autoescape())
    return a, b
