from base import Base


class Middle(Base):
    def describe(self):
        return "no forward of its own"
