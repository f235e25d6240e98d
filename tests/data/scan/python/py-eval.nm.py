import ast
# eval(expr) would be unsafe here
def calc(expr):
    doc = "never call eval(x) on input"
    return ast.literal_eval(expr)
