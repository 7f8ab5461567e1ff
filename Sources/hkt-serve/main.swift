print("hkt-serve")
