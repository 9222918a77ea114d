"""Infraestrutura com modelos, abaixo de todos os apps: caixa de saída, links de uso único e
trilha de auditoria. ``cagec/lib`` importa daqui; daqui nada importa um app (regra 13)."""
