"""A forma das respostas, só para o esquema OpenAPI (drf-spectacular).

As views montam os dicionários em ``api/respostas.py`` e os escrevem com o ``json`` da
biblioteca padrão; estes serializadores não rodam nos pedidos. Os testes de contrato
(``tests/api``) conferem cada resposta contra o esquema gerado daqui.
"""

from rest_framework import serializers

from parceiros.models import Parceiro
from parceiros.situacao import StatusObrigacao


class Erro(serializers.Serializer):
    erro = serializers.CharField(help_text="Mensagem em português, para gente.")
    detalhe = serializers.JSONField(
        help_text="O que causou o erro (num 400, os problemas campo a campo), ou null."
    )


class Bloqueio(serializers.Serializer):
    bloqueado = serializers.BooleanField()
    rotulo = serializers.CharField(help_text="O texto do CRC (ex.: “Não”, “Bloqueado”).")


class Representante(serializers.Serializer):
    nome = serializers.CharField()
    cargo = serializers.CharField(allow_blank=True)
    fim_do_mandato = serializers.DateField(allow_null=True)


class Obrigacao(serializers.Serializer):
    grupo = serializers.CharField()
    obrigacao = serializers.CharField()
    obrigatoria = serializers.BooleanField()
    mrosc = serializers.BooleanField()
    status = serializers.ChoiceField(choices=StatusObrigacao.choices)
    status_display = serializers.CharField()
    validade = serializers.CharField(help_text="O texto do CRC (ex.: “Válido até 31/12/2026”).")
    vence_em = serializers.DateField(allow_null=True)
    aprovado_em = serializers.DateTimeField(
        allow_null=True, help_text="Quando o documento vigente da obrigação foi aprovado."
    )


class CrcDoDia(serializers.Serializer):
    codigo = serializers.CharField()
    codigo_formatado = serializers.CharField()
    url_verificacao = serializers.URLField()


SITUACOES = Parceiro.Situacao.choices


class Regularidade(serializers.Serializer):
    formato = serializers.IntegerField(help_text="Versão da forma desta resposta.")
    dia = serializers.DateField(help_text="O dia a que a situação se refere.")
    cnpj = serializers.CharField(help_text="Só os 14 caracteres (o CNPJ alfanumérico também).")
    cnpj_formatado = serializers.CharField()
    numero_cadastro = serializers.IntegerField(allow_null=True)
    razao_social = serializers.CharField()
    nome_fantasia = serializers.CharField(allow_blank=True, allow_null=True)
    natureza_juridica = serializers.CharField()
    tipo = serializers.CharField()
    genero = serializers.CharField()
    endereco = serializers.CharField(allow_blank=True)
    situacao = serializers.ChoiceField(choices=SITUACOES)
    situacao_display = serializers.CharField()
    situacao_desde = serializers.DateTimeField(allow_null=True)
    situacao_mrosc = serializers.CharField()
    cadin = Bloqueio(help_text="CADIN-MG.")
    siafi = Bloqueio(help_text="SIAFI-MG.")
    possui_impedimento = serializers.BooleanField()
    motivo_impedimento = serializers.CharField(allow_blank=True)
    representante_legal = Representante(allow_null=True, help_text="Nunca o CPF.")
    obrigacoes = Obrigacao(many=True)
    crc_do_dia = CrcDoDia(allow_null=True, help_text="O CRC emitido hoje e ainda válido.")
    consultado_em = serializers.DateTimeField()


class ParceiroDaLista(serializers.Serializer):
    cnpj = serializers.CharField()
    cnpj_formatado = serializers.CharField()
    numero_cadastro = serializers.IntegerField(allow_null=True)
    razao_social = serializers.CharField()
    nome_fantasia = serializers.CharField(allow_blank=True, allow_null=True)
    municipio = serializers.CharField(allow_blank=True)
    uf = serializers.CharField(allow_blank=True)
    tipo_id = serializers.IntegerField()
    tipo = serializers.CharField()
    genero = serializers.CharField()
    situacao = serializers.ChoiceField(choices=SITUACOES)
    situacao_display = serializers.CharField()
    possui_impedimento = serializers.BooleanField()
    cadin_bloqueado = serializers.BooleanField()
    siafi_bloqueado = serializers.BooleanField()
    publico_alterado_em = serializers.DateTimeField()
    url_regularidade = serializers.URLField()


class PaginaDeParceiros(serializers.Serializer):
    resultados = ParceiroDaLista(many=True)
    cursor = serializers.CharField(
        allow_null=True, help_text="Posição do último da página: guarde para sincronizar."
    )
    proximo = serializers.URLField(allow_null=True, help_text="A próxima página, ou null.")


class DadosDoCrc(serializers.Serializer):
    dia = serializers.DateField()
    numero_cadastro = serializers.IntegerField(allow_null=True)
    situacao_na_emissao = serializers.ChoiceField(choices=SITUACOES)
    situacao_na_emissao_display = serializers.CharField()
    situacao_hoje = serializers.ChoiceField(choices=SITUACOES)
    situacao_hoje_display = serializers.CharField()
    sha256_retrato = serializers.CharField()


class DadosDaDeclaracao(serializers.Serializer):
    tipo = serializers.CharField()
    tipo_display = serializers.CharField()
    signatario = serializers.CharField(help_text="Nome do signatário (nunca o CPF).")
    metodo = serializers.CharField()
    metodo_display = serializers.CharField()
    sha256_texto = serializers.CharField()


class Verificacao(serializers.Serializer):
    codigo = serializers.CharField()
    codigo_formatado = serializers.CharField()
    tipo = serializers.ChoiceField(choices=["crc", "declaracao"])
    autentico = serializers.BooleanField()
    revogado = serializers.BooleanField()
    revogado_em = serializers.DateTimeField(allow_null=True)
    motivo_revogacao = serializers.CharField(allow_blank=True)
    url_pdf = serializers.URLField()
    url_verificacao = serializers.URLField()
    cnpj = serializers.CharField()
    cnpj_formatado = serializers.CharField()
    razao_social = serializers.CharField()
    emitido_em = serializers.DateTimeField()
    sha256_pdf = serializers.CharField(allow_blank=True)
    crc = DadosDoCrc(allow_null=True)
    declaracao = DadosDaDeclaracao(allow_null=True)
