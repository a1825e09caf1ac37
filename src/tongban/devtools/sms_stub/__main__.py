from tongban.devtools.sms_stub.cli import main

main()
