import paramiko
from paramiko import WarningPolicy


def connect(host):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # expect: py-ssh-auto-add
    client.set_missing_host_key_policy(WarningPolicy)  # expect: py-ssh-auto-add
    client.connect(host)
