import paramiko


def remote(host, cmd):
    client = paramiko.SSHClient()
    client.load_system_host_keys()
    client.connect(host)
    client.exec_command(cmd)  # expect: py-paramiko-exec
