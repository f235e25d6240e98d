import telnetlib
import ftplib


def connect(host):
    t = telnetlib.Telnet(host)  # expect: py-cleartext-protocol
    f = ftplib.FTP(host)  # expect: py-cleartext-protocol
    return t, f
