import yaml

def read(text):
    return yaml.load(text)
