import json
import pickle

def save(obj, fh):
    pickle.dump(obj, fh)
    return json.loads("{}")
