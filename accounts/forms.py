"""Formulários de conta: dono do formato da entrada (normaliza CPF, telefone, e-mail)."""

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, password_validation

from cagec.lib.documentos import (
    cpf_valido,
    normalizar_cpf,
    normalizar_telefone,
    telefone_valido,
)

from .autenticacao import conferir_senha

REGRAS_SENHA = [
    "Pelo menos 8 caracteres.",
    "Letras maiúsculas e minúsculas, ao menos um número e um símbolo (por exemplo ! @ # $ %).",
    "Não pode ser parecida com seu CPF, nome ou e-mail, nem ser uma senha comum.",
]
# Só para quem já tem senha (troca e recuperação): no primeiro acesso não há senha em uso.
REGRA_SENHA_DIFERENTE = "Não pode ser igual à senha que você usa hoje."


def sem_controle(valor: str) -> str:
    """Troca quebras e tabulações por espaço, apaga os demais controles e invisíveis.

    A normalização NFC vem depois da limpeza: um invisível entre a letra e o acento
    impediria a composição.
    """
    valor = "".join(" " if c.isspace() else c for c in valor)
    valor = "".join(c for c in valor if unicodedata.category(c)[0] != "C")
    return unicodedata.normalize("NFC", valor).strip()


class EmailField(forms.EmailField):
    """E-mail sem os invisíveis que vêm junto quando é colado de páginas e planilhas."""

    def to_python(self, value):
        valor = super().to_python(value)
        return "".join(c for c in valor if unicodedata.category(c) != "Cf").strip()


class CPFField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "CPF")
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", "Somente números ou no formato 000.000.000-00.")
        kwargs.setdefault("error_messages", {"max_length": "CPF inválido."})
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="numeric", autocomplete="username")

    def clean(self, value):
        valor = super().clean(value)
        if valor in self.empty_values:
            return valor
        cpf = normalizar_cpf(valor)
        if not cpf_valido(cpf):
            raise forms.ValidationError(
                "CPF inválido. Confira os 11 dígitos (por exemplo 529.982.247-25).", code="cpf"
            )
        return cpf


class TelefoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Telefone")
        kwargs.setdefault("max_length", 25)
        kwargs.setdefault("help_text", "Com DDD, por exemplo (31) 99999-9999.")
        kwargs.setdefault("error_messages", {"max_length": "Telefone inválido."})
        super().__init__(**kwargs)
        self.widget.attrs.update(inputmode="tel", autocomplete="tel")

    def clean(self, value):
        valor = super().clean(value)
        if valor in self.empty_values:
            return valor
        if not telefone_valido(valor):
            raise forms.ValidationError(
                "Telefone inválido. Informe DDD e número, por exemplo (31) 3915-0000.",
                code="telefone",
            )
        return normalizar_telefone(valor)


class NomeField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Nome completo")
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("error_messages", {"max_length": "O nome pode ter até 200 caracteres."})
        super().__init__(**kwargs)
        self.widget.attrs.update(autocomplete="name")

    def clean(self, value):
        nome = " ".join(sem_controle(super().clean(value) or "").split())
        if len(nome.split(" ")) < 2 or any(c.isdigit() for c in nome):
            raise forms.ValidationError("Informe o nome completo, com nome e sobrenome.")
        return nome


def _campo_email(label="E-mail"):
    return EmailField(
        label=label,
        max_length=254,
        error_messages={"invalid": "Informe um e-mail válido, como nome@exemplo.com.br."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def campo_senha(label, autocomplete="new-password", help_text="", manter=False):
    """Campo de senha. ``manter``: o valor digitado volta no formulário reapresentado com
    erro (a nova senha e a confirmação), para a pessoa não digitar tudo de novo; um GET nunca
    traz valor, e as páginas com essas senhas não ficam em cache (``never_cache``)."""
    return forms.CharField(
        label=label,
        max_length=128,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}, render_value=manter),
    )


class NovaSenhaMixin:
    """Nova senha + confirmação, validadas com as regras do portal para ``self.usuario``.

    Os erros das regras ficam em "Nova senha" (é ela que a pessoa precisa mudar); a
    diferença entre as duas, em "Confirmação da nova senha".
    """

    def _adicionar_campos_senha(self, *, ja_tem_senha=True):
        regras = REGRAS_SENHA + [REGRA_SENHA_DIFERENTE] if ja_tem_senha else REGRAS_SENHA
        self.fields["nova_senha"] = campo_senha(
            "Nova senha", help_text=" ".join(regras), manter=True
        )
        self.fields["confirmacao_senha"] = campo_senha("Confirmação da nova senha", manter=True)

    def _validar_nova_senha(self):
        """Chamado por ``clean``; quem tem outra condição (senha atual) o sobrescreve."""
        return True

    def clean(self):
        dados = super().clean()
        senha = dados.get("nova_senha")
        confirmacao = dados.get("confirmacao_senha")
        if not senha or not self._validar_nova_senha():
            return dados
        try:
            password_validation.validate_password(senha, self.usuario)
        except forms.ValidationError as erro:
            self.add_error("nova_senha", erro)
        if confirmacao and confirmacao != senha:
            self.add_error("confirmacao_senha", "As duas senhas digitadas não são iguais.")
        return dados


class ConfirmacaoEmailMixin:
    """``email`` e ``email_confirmacao`` iguais (sem diferença de maiúsculas)."""

    def clean(self):
        dados = super().clean()
        a, b = dados.get("email"), dados.get("email_confirmacao")
        if a and b and a.lower() != b.lower():
            self.add_error("email_confirmacao", "Os dois e-mails digitados não são iguais.")
        return dados


class InscricaoForm(ConfirmacaoEmailMixin, forms.Form):
    cpf = CPFField()
    nome = NomeField()
    email = _campo_email()
    email_confirmacao = _campo_email("Confirmação do e-mail")
    telefone = TelefoneField()

    def cleaned_data_sem_confirmacao(self):
        return {k: v for k, v in self.cleaned_data.items() if k != "email_confirmacao"}


class LoginForm(forms.Form):
    cpf = CPFField(help_text="")
    senha = campo_senha("Senha", autocomplete="current-password")

    erro_credenciais = (
        "CPF ou senha incorretos. Se você ainda não ativou sua conta, use o link de primeiro "
        "acesso enviado por e-mail ou a opção “Esqueceu sua senha ou usuário bloqueado?”."
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.usuario = None
        super().__init__(*args, **kwargs)

    def clean(self):
        dados = super().clean()
        if self.errors:
            return dados
        self.usuario = authenticate(self.request, username=dados["cpf"], password=dados["senha"])
        if self.usuario is None:
            raise forms.ValidationError(self.erro_credenciais, code="credenciais")
        return dados


class PrimeiroAcessoForm(NovaSenhaMixin, forms.Form):
    """Primeiro acesso (inscrição) ou validação de cadastro (``convidado``: pessoa importada)."""

    cpf = CPFField(help_text="Digite o seu CPF para confirmar que é você.")

    def __init__(self, usuario, *args, convidado=False, **kwargs):
        self.usuario = usuario
        super().__init__(*args, **kwargs)
        if settings.PRIMEIRO_ACESSO_CONFIRMAR_EMAIL:
            self.fields["email"] = _campo_email()
            self.fields["email"].help_text = (
                "O e-mail em que você recebeu o convite."
                if convidado
                else "O e-mail em que você recebeu o link de primeiro acesso."
            )
        self._adicionar_campos_senha(ja_tem_senha=False)


class RecuperarSenhaForm(forms.Form):
    cpf = CPFField()
    email = _campo_email()
    email.help_text = "O e-mail principal cadastrado no portal."


class RedefinirSenhaForm(NovaSenhaMixin, forms.Form):
    def __init__(self, usuario, *args, **kwargs):
        self.usuario = usuario
        super().__init__(*args, **kwargs)
        # Conta importada ainda pendente também recupera o convite por aqui: sem senha em uso.
        self._adicionar_campos_senha(ja_tem_senha=usuario.has_usable_password())


class TermoForm(forms.Form):
    aceito = forms.BooleanField(
        label="Li e aceito o Termo de Uso e a Política de Privacidade.",
        error_messages={"required": "Para continuar, marque que leu e aceita o termo."},
    )


class DadosForm(forms.Form):
    nome = NomeField()
    telefone = TelefoneField()


class AlterarSenhaForm(NovaSenhaMixin, forms.Form):
    """Troca de senha (pede a atual) ou, para quem entrou só pelo gov.br, a primeira senha.

    A senha atual errada conta para o bloqueio do CPF, como no login (``conferir_senha``).
    """

    senha_atual = campo_senha("Senha atual", autocomplete="current-password")

    def __init__(self, request, usuario, *args, **kwargs):
        self.request = request
        self.usuario = usuario
        super().__init__(*args, **kwargs)
        # Conta ativada pelo gov.br não tem senha local: não há "senha atual" a conferir.
        self.criando = not usuario.has_usable_password()
        if self.criando:
            del self.fields["senha_atual"]
        self._adicionar_campos_senha(ja_tem_senha=not self.criando)

    def clean_senha_atual(self):
        senha = self.cleaned_data["senha_atual"]
        if not conferir_senha(self.request, self.usuario.cpf, senha, self.usuario):
            raise forms.ValidationError("A senha atual não confere.")
        return senha

    def _validar_nova_senha(self):
        # Sem a senha atual conferida, a nova nem é validada: o aviso "deve ser diferente da
        # senha atual" deixaria testar senhas à vontade, fora do bloqueio por tentativas.
        return self.criando or "senha_atual" in self.cleaned_data


class TrocaEmailForm(ConfirmacaoEmailMixin, forms.Form):
    email = _campo_email("Novo e-mail")
    email_confirmacao = _campo_email("Confirmação do e-mail")
    senha = campo_senha("Senha", autocomplete="current-password")

    def __init__(self, request, usuario, *args, **kwargs):
        self.request = request
        self.usuario = usuario
        super().__init__(*args, **kwargs)
        self.fields["senha"].help_text = "Digite sua senha atual para confirmar a mudança."

    def clean_senha(self):
        # Errar conta para o bloqueio do CPF, como no login.
        senha = self.cleaned_data["senha"]
        if not conferir_senha(self.request, self.usuario.cpf, senha, self.usuario):
            raise forms.ValidationError("A senha não confere.")
        return self.cleaned_data["senha"]

    def clean(self):
        dados = super().clean()
        a = dados.get("email")
        if a and "email_confirmacao" not in self.errors and a.lower() == self.usuario.email.lower():
            self.add_error("email", "Este já é o seu e-mail principal.")
        return dados


class DefinirEmailForm(ConfirmacaoEmailMixin, forms.Form):
    """E-mail de quem retomou a conta pelo gov.br (não há senha atual a conferir)."""

    email = _campo_email("Seu e-mail")
    email_confirmacao = _campo_email("Confirmação do e-mail")
