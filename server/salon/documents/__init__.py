"""Collaborative documents: Yjs rooms on pycrdt with a durable update log and history.

Transport-free: nothing here imports socketio or starlette (see realtime/yjs.py, api/documents.py).
"""
