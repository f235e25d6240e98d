def tax(amount, rate=0.2):
    if amount < 0:
        raise ValueError("negative amount")
    return round(amount * rate, 2)


def bulk_price(price, qty):
    if qty >= 100:
        return price * 0.8
    elif qty >= 10:
        return price * 0.9
    return price
