from string import Template


def render(text):
    return Template(text).substitute()
