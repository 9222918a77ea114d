"""Perfil (pyinstrument) do caminho frio das páginas públicas, no próprio processo.

Cada pedido usa uma chave que nunca foi pedida antes (código de CRC, CNPJ, parte de nome),
como um visitante que escaneia o QR uma vez. Mostra onde o tempo vai (pyinstrument) e o
tempo médio por pedido, com o cliente de teste do Django e as configurações de produção.

Uso (banco do benchmark já preparado por ``make bench``, ou um menor):
    BENCH_PARCEIROS=2000 BENCH_USUARIOS=5000 .venv/bin/python bench/perfil.py verificar
    .venv/bin/python bench/perfil.py consulta|crc|reemissao [--n 300]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(RAIZ))

from bench import run  # noqa: E402


def _preparar():
    temp = Path(tempfile.mkdtemp(prefix="cagec-perfil-"))
    env = run.ambiente_portal(temp / "static")
    os.environ.update(env)
    run.preparar(env)


def _codigos(n):
    from declaracoes.models import Certificado

    return list(Certificado.objects.order_by("?").values_list("codigo", flat=True)[:n])


def _caminhos(qual, n):
    from bench import frio, publico

    if qual == "verificar":
        return [f"/verificar/{c}/" for c in _codigos(n)]
    if qual == "consulta":
        return publico.caminhos_consulta_unicos(n)
    if qual in ("crc", "reemissao"):
        from parceiros.models import Parceiro  # import tardio: só depois do django.setup()

        ids = frio._sem_crc_hoje(n)
        cnpjs = Parceiro.objects.filter(pk__in=ids).values_list("cnpj", flat=True)
        return [f"/consulta/{cnpj}/crc/" for cnpj in cnpjs]
    raise SystemExit(f"caminho desconhecido: {qual}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("qual", choices=["verificar", "consulta", "crc", "reemissao"])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()
    _preparar()
    from django.test import Client
    from pyinstrument import Profiler

    cliente = Client(REMOTE_ADDR="10.1.2.3", HTTP_HOST="127.0.0.1")
    caminhos = _caminhos(args.qual, args.n)
    if args.qual == "reemissao":
        for caminho in caminhos:
            cliente.get(caminho)  # primeira emissão; o perfil mede a segunda
    cliente.get(caminhos.pop())  # aquece imports e conexões
    perfil = Profiler(interval=0.0002)
    inicio = time.perf_counter()
    with perfil:
        for caminho in caminhos:
            resposta = cliente.get(caminho)
            assert resposta.status_code == 200, (caminho, resposta.status_code)
    ms = (time.perf_counter() - inicio) * 1000 / len(caminhos)
    print(perfil.output_text(unicode=True, color=False, show_all=False))
    print(f"{args.qual}: {len(caminhos)} pedidos, {ms:.2f} ms por pedido (com o perfilador)")


if __name__ == "__main__":
    main()
