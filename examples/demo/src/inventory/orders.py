"""Orders and their lifecycle; moving an order reserves, ships or releases stock."""
from __future__ import annotations

from dataclasses import dataclass, field

from inventory.errors import InvalidTransitionError, UnknownSkuError
from inventory.models import OrderStatus, Product
from inventory.order_parser import OrderLine
from inventory.pricing import apply_coupon, line_total_cents, vat_cents
from inventory.stock import Inventory

ALLOWED_TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    OrderStatus.DRAFT: frozenset({OrderStatus.PLACED, OrderStatus.CANCELLED}),
    OrderStatus.PLACED: frozenset({OrderStatus.PAID, OrderStatus.CANCELLED}),
    OrderStatus.PAID: frozenset({OrderStatus.SHIPPED, OrderStatus.CANCELLED}),
    OrderStatus.SHIPPED: frozenset({OrderStatus.DELIVERED}),
    OrderStatus.DELIVERED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in ALLOWED_TRANSITIONS[current]


@dataclass
class Totals:
    net_cents: int
    vat_cents: int
    discount_cents: int

    @property
    def gross_cents(self) -> int:
        return self.net_cents + self.vat_cents


@dataclass
class Order:
    """An order over a product catalogue. Lines may be edited only while it is a draft."""

    order_id: str
    catalogue: dict[str, Product]
    lines: list[OrderLine] = field(default_factory=list)
    status: OrderStatus = OrderStatus.DRAFT
    coupon: str | None = None
    history: list[OrderStatus] = field(default_factory=list)

    def add_line(self, line: OrderLine) -> None:
        if self.status is not OrderStatus.DRAFT:
            raise InvalidTransitionError(f"order {self.order_id} is {self.status.value}; lines are frozen")
        if line.sku not in self.catalogue:
            raise UnknownSkuError(line.sku)
        self.lines.append(line)

    def unit_price(self, line: OrderLine) -> int:
        """The line's own price if it has one, otherwise the catalogue price."""
        if line.price_cents is not None:
            return line.price_cents
        return self.catalogue[line.sku].price_cents

    def totals(self) -> Totals:
        """Net, VAT and coupon discount. The coupon reduces net before VAT, spread proportionally."""
        net = 0
        vat = 0
        for line in self.lines:
            line_net = line_total_cents(self.unit_price(line), line.quantity)
            net += line_net
            vat += vat_cents(line_net, self.catalogue[line.sku].category)
        if self.coupon is None or net == 0:
            return Totals(net, vat, 0)
        discounted = apply_coupon(net, self.coupon)
        discount = net - discounted
        vat = vat * discounted // net
        return Totals(discounted, vat, discount)

    def _require(self, target: OrderStatus) -> None:
        if not can_transition(self.status, target):
            raise InvalidTransitionError(
                f"order {self.order_id}: cannot go from {self.status.value} to {target.value}")

    def _move(self, target: OrderStatus) -> None:
        self._require(target)
        self.history.append(self.status)
        self.status = target

    def place(self, stock: Inventory) -> None:
        """Reserves every line; on a shortage nothing stays reserved and the order stays a draft."""
        if not self.lines:
            raise InvalidTransitionError(f"order {self.order_id} has no lines")
        self._require(OrderStatus.PLACED)
        done: list[OrderLine] = []
        try:
            for line in self.lines:
                stock.reserve(line.sku, line.quantity)
                done.append(line)
        except Exception:
            for line in done:
                stock.release(line.sku, line.quantity)
            raise
        self._move(OrderStatus.PLACED)

    def pay(self) -> None:
        self._move(OrderStatus.PAID)

    def ship(self, stock: Inventory) -> None:
        self._require(OrderStatus.SHIPPED)
        for line in self.lines:
            stock.ship(line.sku, line.quantity)
        self._move(OrderStatus.SHIPPED)

    def deliver(self) -> None:
        self._move(OrderStatus.DELIVERED)

    def cancel(self, stock: Inventory) -> None:
        """Cancels and gives back reserved stock if the order had reserved any."""
        reserved = self.status in (OrderStatus.PLACED, OrderStatus.PAID)
        self._move(OrderStatus.CANCELLED)
        if reserved:
            for line in self.lines:
                stock.release(line.sku, line.quantity)

    def total_weight_grams(self) -> int:
        return sum(self.catalogue[line.sku].weight_grams * line.quantity for line in self.lines)


def shipping_cents(weight_grams: int, express: bool = False) -> int:
    """Shipping fee by weight band; express doubles it. Parcels over 20 kg are not accepted."""
    if weight_grams < 0:
        raise ValueError("weight must be non-negative")
    if weight_grams == 0:
        return 0
    if weight_grams <= 500:
        fee = 390
    elif weight_grams <= 2_000:
        fee = 590
    elif weight_grams <= 10_000:
        fee = 990
    elif weight_grams <= 20_000:
        fee = 1_690
    else:
        raise ValueError(f"parcel too heavy: {weight_grams} g > 20000 g")
    return fee * 2 if express else fee
