import urllib.request


def fetch():
    return urllib.request.urlopen("https://pypi.org/simple/")
