import paramiko


def remote(host):
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect(host)
    return client.open_sftp()
