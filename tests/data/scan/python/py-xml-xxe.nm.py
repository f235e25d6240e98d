import defusedxml.ElementTree as SafeTree

def read(path):
    return SafeTree.parse(path).getroot()
