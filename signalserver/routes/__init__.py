"""One ``web.RouteTableDef`` per module; :func:`signalserver.app.create_app` adds them in order."""
