# Names that look like the dangerous ones but are bound to safe modules or local functions.
import defusedxml.ElementTree as ET
from defusedxml.minidom import parseString
from defusedxml import ElementTree as SafeET
import json as p
from mymodule import Popen as pop


def loads(x):
    return x


def handler(cmd, blob, doc):
    tree = ET.parse(doc)
    dom = parseString(doc)
    other = SafeET.fromstring(doc)
    obj = p.loads(blob)
    pop(cmd)
    return loads(blob), tree, dom, other, obj
