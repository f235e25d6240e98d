"""A shopping cart with discounts."""


class Cart:
    def __init__(self):
        self.items = {}

    def add(self, sku, price, qty=1):
        if qty <= 0:
            raise ValueError("qty must be positive")
        self.items[sku] = (price, self.items.get(sku, (price, 0))[1] + qty)

    def total(self, discount=None):
        total = sum(price * qty for price, qty in self.items.values())
        if discount:
            total -= total * discount
        return round(total, 2)

    def remove(self, sku):
        if sku not in self.items:
            return False
        del self.items[sku]
        return True
