# Each statement here was reported before and is not a finding.
from defusedxml import ElementTree
import defusedxml.ElementTree
from ruamel.yaml import YAML


def cases(doc, app_runner, passwd_policy, password):
    a = defusedxml.ElementTree.parse(doc)
    b = ElementTree.fromstring(doc)
    c = YAML(typ="rt").load(doc)
    q = 'SELECT 1 FROM t WHERE {}'.format()
    app_runner.run(debug=True)
    if password == 'always':
        return None
    return a, b, c, q


def ruamel_loader(doc):
    yaml = YAML(typ="rt")
    return yaml.load(doc)
