"""Organizações de demonstração (chamado por ``carregar_demo``). Idempotente."""

import hashlib
from datetime import date, timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Usuario
from parceiros import receita, services, situacao
from parceiros.models import Documento, Obrigacao, Parceiro, TipoParceiro

# (CNPJ, tipo, CPF do RL, cargo, quantos documentos aprovados)
ORGANIZACOES = [
    ("18000001000100", "Município", "10000000361", "Prefeita", 99),  # todas: Regular
    ("07000001000185", "Entidade Privada Sem Fins Lucrativos", "10000000361", "Presidente", 4),
    ("25000001000167", "Consórcio Público de Direito Público", "10000000361", "Presidente", 0),
    # O RL pré-cadastrado (convite pendente): o convite diz que os dados dele já estão no
    # portal, então a organização dele também está (e aparece na validação de cadastro).
    ("18000002000146", "Município", "10000000442", "Prefeito", 0),
]


def pdf_minimo(titulo: str) -> bytes:
    """Um PDF de uma página, válido, para a demonstração e os testes."""
    texto = f"BT /F1 18 Tf 72 720 Td ({titulo}) Tj ET".encode("latin-1", "replace")
    objetos = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(texto) + texto + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    saida, posicoes = bytearray(b"%PDF-1.4\n"), []
    for i, corpo in enumerate(objetos, start=1):
        posicoes.append(len(saida))
        saida += b"%d 0 obj\n" % i + corpo + b"\nendobj\n"
    xref = len(saida)
    saida += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objetos) + 1)
    saida += b"".join(b"%010d 00000 n \n" % p for p in posicoes)
    saida += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objetos) + 1,
        xref,
    )
    return bytes(saida)


class Command(BaseCommand):
    help = "Cria organizações de demonstração com RL e alguns documentos aprovados."

    def handle(self, *args, **options):
        for cnpj, tipo, cpf_rl, cargo, documentos in ORGANIZACOES:
            if Parceiro.objects.filter(cnpj=cnpj).exists():
                continue
            with transaction.atomic():
                self._organizacao(cnpj, tipo, cpf_rl, cargo, documentos)
        self.stdout.write(f"Organizações de demonstração: {Parceiro.objects.count()}.")

    def _organizacao(self, cnpj, nome_tipo, cpf_rl, cargo, quantidade):
        registro = receita.consultar_cnpj(cnpj)
        tipo = TipoParceiro.objects.get(nome=nome_tipo)
        parceiro = services.cadastrar_parceiro(registro, tipo)
        rl = Usuario.objects.get(cpf=cpf_rl)
        hoje = timezone.localdate()
        mandato = services.vincular_rl(
            parceiro,
            rl,
            cargo=cargo,
            mandato_inicio=date(hoje.year - 1, 1, 1),
            mandato_fim=date(hoje.year + 3, 12, 31),
        )
        obrigacoes = Obrigacao.objects.filter(tipos=tipo, obrigatoria=True)[:quantidade]
        for obrigacao in obrigacoes:
            conteudo = pdf_minimo(obrigacao.nome[:60])
            data_emissao = hoje - timedelta(days=10)
            data_validade = hoje + timedelta(days=180) if obrigacao.pede_data_validade else None
            documento = Documento(
                obrigacao=obrigacao,
                parceiro=parceiro,
                nome_original=f"{obrigacao.nome[:60]}.pdf",
                content_type="application/pdf",
                tamanho=len(conteudo),
                sha256=hashlib.sha256(conteudo).hexdigest(),
                data_emissao=data_emissao,
                data_validade=data_validade,
                regra_validade=obrigacao.regra_validade,
                vence_em=Documento.vencimento(
                    obrigacao, data_emissao=data_emissao, data_validade=data_validade
                ),
                vinculo=mandato if obrigacao.regra_validade == "fim_mandato" else None,
                status=Documento.Status.APROVADO,
                enviado_por=rl,
            )
            documento.arquivo.save("demo.pdf", ContentFile(conteudo), save=True)
        situacao.recalcular(parceiro, motivo="Demonstração")
