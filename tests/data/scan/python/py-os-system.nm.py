import os
import shutil

def clean(path):
    shutil.rmtree(path)
    print("os.system('rm -rf') is not used")
    return os.path.exists(path)
