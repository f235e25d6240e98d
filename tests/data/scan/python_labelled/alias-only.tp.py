import pickle as p
p.loads(blob)  # expect: py-pickle-load
