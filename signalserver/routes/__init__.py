"""One ``web.RouteTableDef`` per module; :func:`heedful.signalserver.app.create_app` adds them in order."""
