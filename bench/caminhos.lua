-- GET em rodízio por uma lista de caminhos (um por linha no arquivo dado depois de "--"),
-- para medir páginas com muitos objetos diferentes em vez de sempre o mesmo.

local pasta = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(pasta .. "percentis.lua")

function init(args)
  caminhos = {}
  for linha in io.lines(args[1]) do
    caminhos[#caminhos + 1] = linha
  end
  atual = 0
end

function request()
  atual = atual % #caminhos + 1
  return wrk.format("GET", caminhos[atual])
end
