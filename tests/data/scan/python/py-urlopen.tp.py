import urllib.request
from urllib.request import urlopen


def fetch(url):
    urllib.request.urlopen(url)  # expect: py-urlopen
    urlopen("ftp://mirror.example.org/file")  # expect: py-urlopen
    return urllib.request.urlretrieve(url)  # expect: py-urlopen
