"""pip-audit com um resultado honesto: "sem vulnerabilidades" só vale para o que foi auditado.

O pip-audit diz "No known vulnerabilities found" e sai com 0 mesmo quando nenhuma
dependência pôde ser consultada (sem acesso à API de vulnerabilidades do PyPI, cada uma vira
"not found on PyPI and could not be audited"). Aqui:

* vulnerabilidade conhecida: reprova sempre;
* dependência não auditada (ou o pip-audit sem conseguir consultar nada): reprova, a não ser
  com ``--permitir-nao-auditado``, que imprime "NÃO AUDITADO" com a lista e não reprova;
* o próprio projeto (instalado como editável) não é dependência: fica de fora da conta.

Uso: ``python .ci/auditar_dependencias.py [--permitir-nao-auditado] [-- args do pip-audit]``
(é o que ``make audit`` chama).
"""

import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

RAIZ = Path(__file__).resolve().parent.parent
ARGUMENTOS_PIP_AUDIT = ["--skip-editable", "--progress-spinner", "off", "-f", "json"]


def nome_do_projeto() -> str:
    with open(RAIZ / "pyproject.toml", "rb") as arquivo:
        return tomllib.load(arquivo)["project"]["name"]


def _canonico(nome: str) -> str:
    return nome.lower().replace("_", "-").replace(".", "-")


def resumir(relatorio, codigo_pip_audit: int, *, permitir_nao_auditado: bool, projeto: str):
    """(código de saída, texto) a partir do JSON do pip-audit (ou None se não houve JSON)."""
    if not relatorio or not relatorio.get("dependencies"):
        texto = (
            f"NÃO AUDITADO: o pip-audit não produziu resultado (saída {codigo_pip_audit}); "
            "nenhuma dependência foi conferida contra vulnerabilidades conhecidas."
        )
        return (0 if permitir_nao_auditado else 1), texto
    dependencias = [
        d
        for d in relatorio["dependencies"]
        if not (
            _canonico(d["name"]) == _canonico(projeto) and "editable" in d.get("skip_reason", "")
        )
    ]
    vulneraveis = [d for d in dependencias if d.get("vulns")]
    nao_auditadas = [d for d in dependencias if "skip_reason" in d]
    auditadas = len(dependencias) - len(nao_auditadas)
    linhas = []
    for dep in vulneraveis:
        ids = ", ".join(v["id"] for v in dep["vulns"])
        linhas.append(f"VULNERÁVEL: {dep['name']} {dep.get('version', '')}: {ids}")
    if nao_auditadas:
        linhas.append(
            f"NÃO AUDITADO: {len(nao_auditadas)} de {len(dependencias)} dependências não puderam "
            "ser conferidas; para elas, não há resultado sobre vulnerabilidades:"
        )
        linhas += [f"  {d['name']}: {d['skip_reason']}" for d in nao_auditadas]
    if codigo_pip_audit != 0 and not vulneraveis:
        linhas.append(f"NÃO AUDITADO: o pip-audit terminou com erro (saída {codigo_pip_audit}).")
        nao_auditadas = nao_auditadas or dependencias
    if vulneraveis:
        linhas.append(
            f"Reprovado: {len(vulneraveis)} dependência(s) com vulnerabilidade conhecida."
        )
        return 1, "\n".join(linhas)
    if nao_auditadas:
        if permitir_nao_auditado:
            linhas.append(
                f"Aviso (não reprova: --permitir-nao-auditado): {auditadas} de "
                f"{len(dependencias)} dependência(s) auditada(s); nestas, nenhuma vulnerabilidade "
                "conhecida. A auditoria que vale roda com acesso à API de vulnerabilidades "
                "(ver docs/operacao.md)."
            )
            return 0, "\n".join(linhas)
        linhas.append("Reprovado: auditoria incompleta (use um ambiente com acesso ao PyPI/OSV).")
        return 1, "\n".join(linhas)
    return 0, f"Nenhuma vulnerabilidade conhecida nas {auditadas} dependências auditadas."


def main(argumentos: list[str]) -> int:
    permitir = "--permitir-nao-auditado" in argumentos
    extras = argumentos[argumentos.index("--") + 1 :] if "--" in argumentos else []
    with tempfile.TemporaryDirectory() as pasta:
        saida = Path(pasta) / "pip-audit.json"
        comando = [sys.executable, "-m", "pip_audit", *ARGUMENTOS_PIP_AUDIT, "-o", str(saida)]
        # O resumo do próprio pip-audit ("No known vulnerabilities found") engana quando nada
        # foi auditado: a saída de erro só aparece se ele falhar.
        execucao = subprocess.run(  # noqa: S603
            [*comando, *extras], check=False, capture_output=True, text=True
        )
        codigo = execucao.returncode
        if codigo != 0:
            print(execucao.stderr[-4000:], file=sys.stderr)
        try:
            relatorio = json.loads(saida.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            relatorio = None
    resultado, texto = resumir(
        relatorio, codigo, permitir_nao_auditado=permitir, projeto=nome_do_projeto()
    )
    print(texto)
    return resultado


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
