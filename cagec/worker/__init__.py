"""Worker do Celery visto pelo banco: batimento (o beat agenda, um worker grava) e a
verificação ``worker`` da prontidão (``/saude/prontidao/``)."""
