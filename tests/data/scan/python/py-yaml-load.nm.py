import yaml

def read(text):
    a = yaml.load(text, Loader=yaml.SafeLoader)
    return a, yaml.safe_load(text)
