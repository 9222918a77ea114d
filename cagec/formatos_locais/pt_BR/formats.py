"""Formatos de data do Django em pt-BR como o portal os escreve: ``dd/mm/aaaa``.

O padrão do Django para pt-BR é por extenso ("1 de fevereiro de 2011"); com este módulo
(``FORMAT_MODULE_PATH``) um ``{{ data }}`` sem filtro e o admin saem como nas páginas, PDFs
e e-mails. O que não está aqui (formatos de entrada, separadores) segue o do Django.
"""

DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
