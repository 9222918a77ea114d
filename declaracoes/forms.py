from django import forms

from accounts.autenticacao import conferir_senha
from accounts.forms import CPFField, campo_senha, sem_controle
from cagec.lib.arquivos import ATRIBUTO_RECUSADOS
from cagec.lib.busca import normalizar_busca
from cagec.lib.codigos import normalizar_codigo
from parceiros.forms import CNPJField
from parceiros.models import Parceiro


class AssinaturaForm(forms.Form):
    """ "Assinar com usuário e senha": o RL digita de novo o CPF e a senha.

    A senha é conferida por ``conferir_senha`` (django-axes): errar conta para o bloqueio do
    CPF, como no login.
    """

    cpf = CPFField(help_text="O seu CPF, de representante legal.")
    senha = campo_senha("Senha", autocomplete="current-password")

    def __init__(self, request, signatario, *args, **kwargs):
        self.request = request
        self.signatario = signatario
        super().__init__(*args, **kwargs)
        self.fields["cpf"].widget.attrs["autocomplete"] = "off"

    def clean(self):
        dados = super().clean()
        if self.errors:
            return dados
        if not conferir_senha(self.request, dados["cpf"], dados["senha"], self.signatario):
            raise forms.ValidationError(
                "CPF ou senha não conferem com os do representante legal. Nada foi assinado.",
                code="credenciais",
            )
        return dados


class ClassesBootstrapMixin:
    """Classes do Bootstrap e ``is-invalid`` sem crispy (páginas públicas mais leves)."""

    def full_clean(self):
        super().full_clean()
        self._marcar_invalidos()

    def add_error(self, field, error):
        super().add_error(field, error)
        self._marcar_invalidos()

    def _marcar_invalidos(self):
        for nome, campo in self.fields.items():
            classes = campo.widget.attrs.get("class", "")
            if nome in self.errors and "is-invalid" not in classes:
                campo.widget.attrs["class"] = f"{classes} is-invalid".strip()

    def _aplicar_classes(self):
        for campo in self.fields.values():
            escolha = isinstance(campo.widget, forms.Select)
            campo.widget.attrs["class"] = "form-select" if escolha else "form-control"


class ConsultaForm(ClassesBootstrapMixin, forms.Form):
    """Filtros da consulta pública; a query string é o estado (favoritos, links).

    Sem CPF: a busca pelo CPF do representante legal é só para quem está logado
    (``ConsultaCPFForm``, por POST, com cota diária).
    """

    MINIMO_NOME = 3
    field_order = ["nome", "cnpj", "municipio", "tipo", "situacao"]

    cnpj = CNPJField(required=False, help_text="Com ou sem pontuação; alfanumérico também.")
    nome = forms.CharField(
        label="Nome",
        required=False,
        max_length=120,
        help_text="Razão social ou nome fantasia, ou parte dele; acentos e maiúsculas "
        "não importam.",
    )
    municipio = forms.CharField(label="Município", required=False, max_length=120)
    tipo = forms.TypedChoiceField(label="Tipo", required=False, coerce=int, empty_value=None)
    situacao = forms.ChoiceField(
        label="Situação",
        required=False,
        choices=[("", "Todas"), *Parceiro.Situacao.choices],
    )

    def __init__(self, *args, tipos=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tipo"].choices = [("", "Todos"), *tipos]
        self._aplicar_classes()
        self.fields["municipio"].widget.attrs["autocomplete"] = "address-level2"

    def clean_nome(self):
        nome = " ".join(sem_controle(self.cleaned_data["nome"]).split())
        if nome and len(normalizar_busca(nome)) < self.MINIMO_NOME:
            raise forms.ValidationError(
                f"Digite ao menos {self.MINIMO_NOME} letras do nome.", code="curto"
            )
        return nome

    def clean_municipio(self):
        return " ".join(sem_controle(self.cleaned_data["municipio"]).split())

    def clean(self):
        dados = super().clean()
        if not self.errors and not any(dados.get(c) for c in self.fields):
            raise forms.ValidationError(
                "Preencha ao menos um filtro: CNPJ, nome, município, tipo ou situação.",
                code="sem_filtro",
            )
        return dados


class ConsultaCPFForm(ClassesBootstrapMixin, forms.Form):
    """Busca pelo CPF do representante legal (logado, por POST: o CPF não vai para a URL)."""

    cpf = CPFField(
        label="CPF do representante legal",
        help_text="Busca exata. O CPF nunca aparece nos resultados.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._aplicar_classes()
        self.fields["cpf"].widget.attrs["autocomplete"] = "off"


class VerificacaoForm(ClassesBootstrapMixin, forms.Form):
    """O código impresso no documento ou o próprio PDF (comparado pelo SHA-256)."""

    codigo = forms.CharField(
        label="Código de verificação",
        required=False,
        max_length=40,
        help_text="Como está no documento, por exemplo 23S5-34RR-CT0X-P8BS. "
        "Maiúsculas, espaços e hífens não importam.",
    )
    arquivo = forms.FileField(
        label="Ou envie o arquivo PDF",
        required=False,
        help_text="O CRC ou a declaração exatamente como foi baixado do portal (até 20 MB).",
        # A mensagem nossa, não a do catálogo de tradução (o do DRF tem outra redação).
        error_messages={"empty": "O arquivo enviado está vazio."},
    )

    def __init__(self, *args, request=None, **kwargs):
        self.request = request
        super().__init__(*args, **kwargs)
        self._aplicar_classes()
        self.fields["codigo"].widget.attrs.update(
            autocomplete="off", spellcheck="false", autocapitalize="characters"
        )
        self.fields["arquivo"].widget.attrs["accept"] = "application/pdf,.pdf"

    def clean_codigo(self):
        valor = self.cleaned_data["codigo"]
        if not valor:
            return ""
        codigo = normalizar_codigo(sem_controle(valor))
        if not codigo:
            raise forms.ValidationError(
                "Código inválido: são 16 letras e números, em quatro grupos de quatro "
                "(por exemplo 23S5-34RR-CT0X-P8BS).",
                code="codigo",
            )
        return codigo

    def clean(self):
        dados = super().clean()
        recusados = getattr(self.request, ATRIBUTO_RECUSADOS, set())
        if "arquivo" in recusados:
            self.add_error("arquivo", "O arquivo passa de 20 MB e não foi recebido.")
            return dados
        if self.errors:
            return dados
        if not dados.get("codigo") and not dados.get("arquivo"):
            raise forms.ValidationError(
                "Digite o código de verificação ou envie o arquivo PDF.", code="vazio"
            )
        arquivo = dados.get("arquivo")
        if arquivo is not None and arquivo.size == 0:
            self.add_error("arquivo", "O arquivo enviado está vazio.")
        return dados
