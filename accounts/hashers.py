"""Hasher de senhas de produção: Argon2id calibrado para as máquinas do portal."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2CagecPasswordHasher(Argon2PasswordHasher):
    """Argon2id com 64 MiB, 2 passadas e 2 faixas.

    Acima do mínimo recomendado pela OWASP (19 MiB, t=2, p=1), e cabe a meta de ≥ 8
    logins/s em 2 núcleos (o padrão do Django, 100 MiB e 8 faixas, dá ~7/s). O nome do
    algoritmo continua ``argon2``: hashes antigos seguem válidos e são refeitos com estes
    parâmetros no próximo login (``must_update``).
    """

    memory_cost = 65536
    parallelism = 2
