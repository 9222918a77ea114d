"""Inserção em massa de linhas novas: COPY no PostgreSQL, ``bulk_create`` nos demais bancos.

O ``bulk_create`` monta um objeto do modelo e prepara cada valor de cada campo em Python
(≈ 50 µs por linha de ``Usuario``); o COPY recebe tuplas e o psycopg as escreve em C. Para
chegar ao mesmo resultado que o ``bulk_create``, os campos que não vêm nas tuplas recebem
o padrão do modelo (``default``, ``auto_now``/``auto_now_add``), calculado **uma vez** por
chamada: todas as linhas da chamada ficam com o mesmo valor. Por isso um campo único fora
das tuplas é recusado (o padrão repetido violaria a unicidade).

Os valores das tuplas vão como estão: use tipos simples (``str``, ``int``, ``bool``,
``date``, ``datetime`` com fuso, ``None``) e, nas chaves estrangeiras, o ``attname``
(``usuario_id``). Gatilhos e restrições do banco valem como num INSERT. Não devolve as
chaves primárias: quem precisa delas as busca pela chave natural (CPF, CNPJ) numa consulta.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault
from psycopg import sql


def inserir(
    modelo: type[models.Model], campos: Sequence[str], linhas: Iterable[tuple[object, ...]]
) -> int:
    """Insere ``linhas`` (tuplas na ordem de ``campos``) em ``modelo``; devolve quantas."""
    linhas = list(linhas)
    if not linhas:
        return 0
    colunas_fixas, valores_fixos = _padroes(modelo, campos)
    if connection.vendor != "postgresql":
        modelo._default_manager.bulk_create(
            [modelo(**dict(zip(campos, linha, strict=True))) for linha in linhas],
            batch_size=1000,
        )
        return len(linhas)
    colunas = [_coluna(modelo._meta.get_field(nome)) for nome in campos] + colunas_fixas
    comando = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(modelo._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, colunas))
    )
    with connection.cursor() as cursor, cursor.copy(comando) as copia:
        for linha in linhas:
            copia.write_row((*linha, *valores_fixos))
    return len(linhas)


def _padroes(modelo: type[models.Model], campos: Sequence[str]) -> tuple[list[str], list[object]]:
    """Colunas fora de ``campos`` e o valor de banco que o ``bulk_create`` gravaria nelas."""
    exemplo = modelo()
    colunas, valores = [], []
    for campo in modelo._meta.concrete_fields:
        if campo.attname in campos or isinstance(campo, models.AutoField):
            continue
        valor = campo.pre_save(exemplo, add=True)
        if isinstance(valor, DatabaseDefault):  # ``db_default``: o banco preenche, fora do COPY
            continue
        if campo.unique and valor is not None:
            raise ValueError(f"{modelo.__name__}.{campo.name} é único: informe-o nas linhas.")
        colunas.append(_coluna(campo))
        valores.append(campo.get_db_prep_save(valor, connection))
    return colunas, valores


def _coluna(campo: object) -> str:
    """A coluna de um campo concreto: o COPY só grava colunas (o stub diz ``str | None``)."""
    assert isinstance(campo, models.Field) and campo.column is not None
    return campo.column
