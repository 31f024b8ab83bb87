"""The products Puddle runs."""

from puddle.client.product import Product

PRODUCT_DAI = Product('Driverless AI', 'dai')
PRODUCT_H2O3 = Product('H2O-3 or H2O Open Source', 'h2o3')
ALL_PRODUCTS = (PRODUCT_DAI, PRODUCT_H2O3)


def by_id(product_id):
    for product in ALL_PRODUCTS:
        if product.id == product_id:
            return product
    return Product(product_id, product_id)
