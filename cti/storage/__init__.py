"""Storage adapters below the domain: the engine, the tables, their migrations, repositories.

Only the composition root calls `db.create_engine`; everything else is handed a session
factory.
"""
