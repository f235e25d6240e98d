import nosuchmod  # a collection error: aqe reports it and runs the rest
