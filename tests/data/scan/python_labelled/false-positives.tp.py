# The near relatives of the false positives above that are findings.
import xml.etree.ElementTree as ET
import yaml
import subprocess
from flask import Flask

app = Flask(__name__)


def cases(doc, table, password):
    a = ET.parse(doc)  # expect: py-xml-xxe
    b = yaml.load(doc)  # expect: py-yaml-load
    q = 'SELECT * FROM {}'.format(table)  # expect: py-sql-format
    app.run(debug=True)  # expect: py-flask-debug
    if password == 'Winter2025!':  # expect: py-hardcoded-password
        return None
    subprocess.call(doc, shell=1)  # expect: py-subprocess-shell
    return a, b, q
