# The project's two front doors on Windows, with Python 3.11+ installed:
#
#   .\run.ps1 demo [options]      play the bundled mock interview (no key, no network)
#   .\run.ps1 test [pytest args]  the whole test suite
#
# `.\run.ps1 help` lists the rest. All the logic is in run.py, shared with the
# bash script `run` (Linux, macOS); this only finds a Python to start it with.
$ErrorActionPreference = 'Stop'
$bootstrap = Join-Path $PSScriptRoot 'run.py'
$candidates = @()
if ($env:PYTHON) { $candidates += , @($env:PYTHON) }
$candidates += , @('py', '-3')
$candidates += , @('python')
foreach ($candidate in $candidates) {
    $exe = $candidate[0]
    if (Get-Command $exe -ErrorAction SilentlyContinue) {
        $rest = @($candidate | Select-Object -Skip 1)
        & $exe @rest $bootstrap @args
        exit $LASTEXITCODE
    }
}
Write-Error 'run: Python 3.11+ is needed: install it from python.org (tick "Add python.exe to PATH")'
exit 1
