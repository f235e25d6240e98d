# Calls reached through import aliases and `from` imports (bandit finds all five).
from subprocess import Popen as pop
import pickle as p
import hashlib as h
import xml.etree.ElementTree as ET
from xml.dom.minidom import parseString
from os import system as run_shell
from yaml import load as yload


def handler(cmd, blob, doc):
    pop(cmd, shell=True)  # expect: py-subprocess-shell
    obj = p.loads(blob)  # expect: py-pickle-load
    digest = h.md5(blob).hexdigest()  # expect: py-weak-hash
    tree = ET.parse(doc)  # expect: py-xml-xxe
    dom = parseString(doc)  # expect: py-xml-xxe
    run_shell(cmd)  # expect: py-os-system
    cfg = yload(doc)  # expect: py-yaml-load
    return obj, digest, tree, dom, cfg
